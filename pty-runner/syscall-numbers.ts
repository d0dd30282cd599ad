/** Linux system call numbers that say how a process waits, per CPU architecture. */

/** The calls a process blocked on a terminal can be asleep in. */
export interface WaitSyscalls {
  /** read, readv, pread64: blocked reading one file descriptor (its first argument). */
  read: ReadonlySet<number>;
  /** poll, select, pselect6, ppoll, epoll_wait, epoll_pwait, epoll_pwait2: waiting for any of several. */
  poll: ReadonlySet<number>;
}

// From the kernel's syscall tables (arch/x86/entry/syscalls/syscall_64.tbl and the generic table
// aarch64 uses, include/uapi/asm-generic/unistd.h). aarch64 has no plain poll, select or
// epoll_wait: its C libraries call ppoll, pselect6 and epoll_pwait instead.
const TABLES: Record<string, WaitSyscalls> = {
  x64: {
    read: new Set([0, 17, 19]),
    poll: new Set([7, 23, 232, 270, 271, 281, 441]),
  },
  arm64: {
    read: new Set([63, 65, 67]),
    poll: new Set([22, 72, 73, 441]),
  },
};

/**
 * The table for `arch` (a `process.arch` value), or null for architectures whose numbers we have
 * not checked: there the runner cannot tell how a process waits.
 */
export function waitSyscalls(arch: string = process.arch): WaitSyscalls | null {
  return Object.hasOwn(TABLES, arch) ? (TABLES[arch] as WaitSyscalls) : null;
}
