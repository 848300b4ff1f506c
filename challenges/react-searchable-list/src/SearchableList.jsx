import { useState } from "react";

/**
 * A list of people with a search box.
 *
 * props.people: [{ id, name, team }]
 */
export default function SearchableList({ people }) {
  const [query, setQuery] = useState("");

  // TODO: filter `people` by `query` (see README.md), show the count and the empty state.
  const shown = people;

  return (
    <div>
      <label>
        Search
        <input value={query} onChange={(e) => setQuery(e.target.value)} />
      </label>
      <ul>
        {shown.map((p) => (
          <li key={p.id}>{p.name}</li>
        ))}
      </ul>
    </div>
  );
}
