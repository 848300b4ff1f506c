import { useState } from "react";

/** The reference solution: kept in the test sources, never given to candidates. */
export default function SearchableList({ people }) {
  const [query, setQuery] = useState("");
  const q = query.trim().toLowerCase();
  const shown = people.filter(
    (p) => p.name.toLowerCase().includes(q) || p.team.toLowerCase().includes(q),
  );

  return (
    <div>
      <label>
        Search
        <input value={query} onChange={(e) => setQuery(e.target.value)} />
      </label>
      <p>
        {shown.length} of {people.length}
      </p>
      {shown.length === 0 ? (
        <p>No matches</p>
      ) : (
        <ul>
          {shown.map((p) => (
            <li key={p.id}>{p.name}</li>
          ))}
        </ul>
      )}
    </div>
  );
}
