/** The startup scripts that make bash and zsh emit OSC 133 prompt marks (see docs/runner.md). */

/**
 * A script written as a raw template: backslashes stay as they are, and `\${` (the only way to
 * write a literal "${" in a template) becomes "${".
 */
function script(strings: TemplateStringsArray): string {
  return strings.raw.join("").replaceAll("\\${", "${");
}

/**
 * bash, started as `bash --rcfile <this> -i`. --rcfile replaces /etc/bash.bashrc and ~/.bashrc,
 * so this reads them first, exactly as an interactive bash would, and only then adds the marks:
 *
 * - A (prompt start) and B (prompt end, input starts) wrap PS1 inside \[ \] so readline does
 *   not count them as visible columns. PROMPT_COMMAND re-wraps it before every prompt because
 *   themes and the user's own PROMPT_COMMAND often rebuild PS1.
 * - C (output starts) comes from PS0 (bash ≥ 4.4), printed after Enter and before the command
 *   runs. PS0 also sets __webterm_ran through an arithmetic side effect inside an expansion that
 *   yields "", because PS0 is expanded in the shell itself. Older bash uses a DEBUG trap.
 * - C carries the command line and the directory it runs in (`cmdline_url=`, kitty's name, and
 *   `cwd=`, both percent-encoded). bash tells no hook the line it read, so it comes from the
 *   history, which holds it by the time PS0 is expanded; `history 1` runs in PS0's command
 *   substitution (a subshell: PS0 cannot call a function otherwise). When the line did not go
 *   into the history (HISTCONTROL=ignorespace or ignoredups, HISTIGNORE, `set +o history`), the
 *   newest entry is an older command's, so no `cmdline_url` is sent rather than a wrong one: the
 *   entry's number must be at least the HISTCMD saved at the prompt.
 * - D;status comes first in PROMPT_COMMAND, which must read $? before anything else runs; it
 *   hands $? back unchanged so the user's own PROMPT_COMMAND sees the real status. D is skipped
 *   when no command ran (an empty line, Ctrl-C at the prompt).
 * - Every mark ends in ";n=NONCE" (WEBTERM_MARK_NONCE, read and unset before anything else runs,
 *   so no command inherits it). PS1 and PS0 hold only references to the marks (\${__webterm_a},
 *   expanded when the prompt is drawn), never the nonce itself: a .bashrc may export PS1.
 *
 * Commands in an rcfile are not echoed and not added to history: the person typing sees the
 * prompt their configuration asks for and nothing else.
 */
export const BASH_RCFILE = script`# pty-runner: bash shell integration (OSC 133 prompt marks). Generated; safe to delete.
# The marks' nonce lives in unexported variables, set before the user's files can turn on "set -a".
if [ -z "\${__webterm_n+set}" ]; then
  __webterm_n=
  if [ -n "\${WEBTERM_MARK_NONCE-}" ]; then __webterm_n=";n=$WEBTERM_MARK_NONCE"; fi
  __webterm_a=$'\e]133;A'"$__webterm_n"$'\a'
  __webterm_b=$'\e]133;B'"$__webterm_n"$'\a'
fi
unset WEBTERM_MARK_NONCE

if [ -r /etc/bash.bashrc ]; then . /etc/bash.bashrc; fi
if [ -r "$HOME/.bashrc" ]; then . "$HOME/.bashrc"; fi

# VAR- expansions throughout: a .bashrc with "set -u" must not make the marks fail.
if [ -z "\${__webterm_installed-}" ]; then
  __webterm_installed=1
  __webterm_ran=
  __webterm_prompted=
  __webterm_at_prompt=
  __webterm_ps1_start='\[\${__webterm_a}\]'
  __webterm_ps1_end='\[\${__webterm_b}\]'
  __webterm_histcmd=

  # Percent-encodes $1 byte by byte into __webterm_url (all but A-Z a-z 0-9 / . _ ~ -), so a mark
  # never holds ";", BEL or ESC; $2 caps the bytes encoded. A variable, not output: no subshell.
  __webterm_urlencode() {
    local LC_ALL=C
    local __webterm_s=$1 __webterm_ch __webterm_i
    if [ -n "\${2-}" ]; then __webterm_s=\${__webterm_s:0:$2}; fi
    __webterm_url=
    for ((__webterm_i = 0; __webterm_i < \${#__webterm_s}; __webterm_i++)); do
      __webterm_ch=\${__webterm_s:__webterm_i:1}
      case $__webterm_ch in
        [a-zA-Z0-9/._~-]) ;;
        *) printf -v __webterm_ch '%%%02X' "'$__webterm_ch" ;;
      esac
      __webterm_url+=$__webterm_ch
    done
  }

  # Prints the C mark: the command line (its history entry, if it made one) and the directory.
  __webterm_c_mark() {
    local __webterm_entry __webterm_number __webterm_line=
    __webterm_entry=$(HISTTIMEFORMAT= builtin history 1 2>/dev/null)
    __webterm_entry=\${__webterm_entry#"\${__webterm_entry%%[![:space:]]*}"}
    __webterm_number=\${__webterm_entry%%[!0-9]*}
    # "  42  line" (or "  42* line" when edited): the number, one flag character, one space.
    if [ -n "$__webterm_number" ] && [ -n "$__webterm_histcmd" ] &&
      ((__webterm_number >= __webterm_histcmd)); then
      __webterm_urlencode "\${__webterm_entry:\${#__webterm_number}+2}" 4096
      __webterm_line=";cmdline_url=$__webterm_url"
    fi
    __webterm_urlencode "$PWD"
    printf '\e]133;C%s;cwd=%s%s\a' "$__webterm_line" "$__webterm_url" "$__webterm_n"
  }

  __webterm_precmd() {
    local __webterm_status=$?
    if [ -n "$__webterm_ran" ]; then
      printf '\e]133;D;%s%s\a' "$__webterm_status" "$__webterm_n"
      __webterm_ran=
    elif [ -n "$__webterm_prompted" ]; then
      # A line that ran nothing (blank, a comment, Ctrl-C): D without a status. Only this tells a
      # new prompt from readline redrawing the old one (on a resize), which repeats A.
      printf '\e]133;D%s\a' "$__webterm_n"
    fi
    __webterm_prompted=1
    return "$__webterm_status"
  }

  __webterm_prompt() {
    local __webterm_status=$?
    case "$PS1" in
      "$__webterm_ps1_start"*) ;;
      *) PS1="$__webterm_ps1_start$PS1$__webterm_ps1_end" ;;
    esac
    __webterm_at_prompt=1
    # The number the next line gets if it goes into the history (see __webterm_c_mark).
    __webterm_histcmd=\${HISTCMD-}
    return "$__webterm_status"
  }

  if ((BASH_VERSINFO[0] > 4 || (BASH_VERSINFO[0] == 4 && BASH_VERSINFO[1] >= 4))); then
    PS0="\${PS0-}"'\${__webterm_ran:0:$((__webterm_ran=1,0))}$(__webterm_c_mark)'
  else
    __webterm_preexec() {
      [ -n "$__webterm_at_prompt" ] || return 0
      case "$BASH_COMMAND" in __webterm_precmd* | __webterm_prompt*) return 0 ;; esac
      __webterm_at_prompt=
      __webterm_ran=1
      __webterm_c_mark
    }
    trap '__webterm_preexec' DEBUG
  fi

  # Newlines, not ";", join the commands: a user's PROMPT_COMMAND may end in ";" already.
  if [[ "$(declare -p PROMPT_COMMAND 2>/dev/null)" == "declare -a"* ]]; then
    PROMPT_COMMAND=(__webterm_precmd "\${PROMPT_COMMAND[@]}" __webterm_prompt)
  elif [ -n "\${PROMPT_COMMAND-}" ]; then
    PROMPT_COMMAND=$'__webterm_precmd\n'"$PROMPT_COMMAND"$'\n__webterm_prompt'
  else
    PROMPT_COMMAND=$'__webterm_precmd\n__webterm_prompt'
  fi
fi
`;

/**
 * zsh, started with ZDOTDIR pointing at a directory holding these two files. `.zshenv` reads the
 * user's .zshenv and remembers the ZDOTDIR it may set; `.zshrc` restores that ZDOTDIR, reads the
 * user's .zshrc, then installs precmd/preexec hooks (zsh's own hook arrays, so frameworks that
 * add theirs keep working). %{ %} tells zsh the marks take no columns.
 *
 * D rides in PROMPT_EOL_MARK while a command runs: with PROMPT_SP (on by default) zsh prints that
 * mark and a line of padding spaces *before* precmd, so a D printed by precmd would count the
 * padding as the command's output. preexec saves the user's mark and prepends D to it; precmd puts
 * it back, and prints D itself only when zsh did not (PROMPT_SP off, or the command changed the mark).
 *
 * C carries the command line, which zsh hands preexec as $1 (also when HIST_IGNORE_SPACE keeps it
 * out of the history), and the directory, percent-encoded as in bash.
 *
 * `.zshenv` also moves WEBTERM_MARK_NONCE into an unexported variable and unsets it before the
 * user's files run. zsh expands no variables in PS1 by default (PROMPT_SUBST is off), so the
 * wrapped PS1 holds the nonce itself; it is un-exported, so a .zshrc that exports PS1 does not
 * hand the nonce to every command.
 */
export const ZSH_ZSHENV = script`# pty-runner: zsh shell integration. Generated; safe to delete.
if [[ -z \${__webterm_n+set} ]]; then
  typeset -g __webterm_n=
  [[ -n \${WEBTERM_MARK_NONCE-} ]] && __webterm_n=";n=$WEBTERM_MARK_NONCE"
  typeset -g +x __webterm_n
fi
unset WEBTERM_MARK_NONCE
__webterm_dir=$ZDOTDIR
ZDOTDIR=\${WEBTERM_USER_ZDOTDIR:-$HOME}
[[ -r $ZDOTDIR/.zshenv ]] && . $ZDOTDIR/.zshenv
WEBTERM_USER_ZDOTDIR=$ZDOTDIR
ZDOTDIR=$__webterm_dir
unset __webterm_dir
`;

/** The `.zshrc` half of the zsh integration (see ZSH_ZSHENV). */
export const ZSH_ZSHRC = script`# pty-runner: zsh shell integration (OSC 133 prompt marks). Generated; safe to delete.
ZDOTDIR=\${WEBTERM_USER_ZDOTDIR:-$HOME}
unset WEBTERM_USER_ZDOTDIR
[[ -r $ZDOTDIR/.zshrc ]] && . $ZDOTDIR/.zshrc

typeset -g __webterm_ran= __webterm_prompted= __webterm_eol= __webterm_user_eol= __webterm_user_eol_set=
__webterm_precmd() {
  local __webterm_status=$?
  if [[ -n $__webterm_ran ]]; then
    # PROMPT_SP prints PROMPT_EOL_MARK and a line of padding before precmd runs; preexec put D
    # into that mark, so the padding comes after D. Print D here only if zsh did not print it.
    if [[ ! -o prompt_sp || ! -o prompt_cr || \${PROMPT_EOL_MARK-} != "$__webterm_eol" ]]; then
      printf '\e]133;D;%s%s\a' $__webterm_status "$__webterm_n"
    fi
    if [[ \${PROMPT_EOL_MARK-} == "$__webterm_eol" ]]; then
      if [[ -n $__webterm_user_eol_set ]]; then PROMPT_EOL_MARK=$__webterm_user_eol; else unset PROMPT_EOL_MARK; fi
    fi
    __webterm_ran=
  elif [[ -n $__webterm_prompted ]]; then
    # A line that ran nothing: D without a status (zle repeats A when it redraws on a resize).
    printf '\e]133;D%s\a' "$__webterm_n"
  fi
  __webterm_prompted=1
  return $__webterm_status
}
__webterm_wrap_prompt() {
  if [[ $PS1 != *$'\e]133;A'* ]]; then
    PS1=$'%{\e]133;A'"$__webterm_n"$'\a%}'"$PS1"$'%{\e]133;B'"$__webterm_n"$'\a%}'
    typeset -g +x PS1
  fi
}
# Percent-encodes $1 byte by byte into __webterm_url (all but A-Z a-z 0-9 / . _ ~ -), so a mark
# never holds ";", BEL or ESC; $2 caps the bytes encoded. No multibyte: one character is one byte.
__webterm_urlencode() {
  emulate -L zsh
  setopt extended_glob
  unsetopt multibyte
  local __webterm_s=$1
  (( $# > 1 )) && __webterm_s=\${__webterm_s[1,$2]}
  typeset -g __webterm_url=\${__webterm_s//(#m)[^a-zA-Z0-9\/._~-]/%\${(l:2::0:)$(( [##16] #MATCH ))}}
}
__webterm_preexec() {
  __webterm_ran=1
  # $1 is the line as typed; it is empty only when zsh keeps no history at all.
  local __webterm_line=
  if [[ -n $1 ]]; then
    __webterm_urlencode "$1" 4096
    __webterm_line=";cmdline_url=$__webterm_url"
  fi
  __webterm_urlencode "$PWD"
  if [[ -n \${PROMPT_EOL_MARK+set} ]]; then
    __webterm_user_eol=$PROMPT_EOL_MARK __webterm_user_eol_set=1
  else
    __webterm_user_eol='%B%S%#%s%b' __webterm_user_eol_set=
  fi
  __webterm_eol=$'%{\e]133;D;%?'"$__webterm_n"$'\a%}'"$__webterm_user_eol"
  PROMPT_EOL_MARK=$__webterm_eol
  printf '\e]133;C%s;cwd=%s%s\a' "$__webterm_line" "$__webterm_url" "$__webterm_n"
}
typeset -ga precmd_functions preexec_functions
precmd_functions=(__webterm_precmd $precmd_functions __webterm_wrap_prompt)
preexec_functions+=(__webterm_preexec)
`;
