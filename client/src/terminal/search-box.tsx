/** The small find box over the terminal: Enter next, Shift+Enter previous, Escape closes and gives the keys back to the terminal. */
import { useEffect, useRef, useState } from "preact/hooks";
import type { SearchResults, TerminalSearch } from "./terminal-search.ts";

/** Props of SearchBox. */
export interface SearchBoxProps {
  search: TerminalSearch;
  /** Closed (Escape or the × button): the panel hides the box and focuses the terminal. */
  onClose: () => void;
}

/** A find box; see the file comment. */
export function SearchBox({ search, onClose }: SearchBoxProps) {
  const inputRef = useRef<HTMLInputElement>(null);
  const [term, setTerm] = useState("");
  const [results, setResults] = useState<SearchResults | null>(null);
  useEffect(() => search.onResults(setResults), [search]);
  useEffect(() => inputRef.current?.select(), []);
  useEffect(() => () => search.clear(), [search]);

  const onKeyDown = (event: KeyboardEvent): void => {
    if (event.key === "Escape") {
      event.preventDefault();
      onClose();
    } else if (event.key === "Enter") {
      event.preventDefault();
      search.find(term, event.shiftKey);
    }
  };
  const count =
    !term || !results
      ? ""
      : results.count === 0
        ? "No results"
        : `${results.index || "?"} of ${results.count}`;
  return (
    <div class="terminal-search" data-testid="terminal-search" role="search">
      <input
        ref={inputRef}
        class="terminal-search__input"
        data-testid="terminal-search-input"
        type="text"
        placeholder="Find in terminal"
        aria-label="Find in terminal"
        value={term}
        onInput={(event) => {
          const next = (event.currentTarget as HTMLInputElement).value;
          setTerm(next);
          search.find(next);
        }}
        onKeyDown={onKeyDown}
      />
      <span class="terminal-search__count" data-testid="terminal-search-count" aria-live="polite">
        {count}
      </span>
      <button
        type="button"
        class="terminal-search__button"
        aria-label="Previous match (Shift+Enter)"
        onClick={() => search.find(term, true)}
      >
        ↑
      </button>
      <button
        type="button"
        class="terminal-search__button"
        aria-label="Next match (Enter)"
        onClick={() => search.find(term)}
      >
        ↓
      </button>
      <button
        type="button"
        class="terminal-search__button"
        aria-label="Close (Escape)"
        onClick={onClose}
      >
        ×
      </button>
    </div>
  );
}
