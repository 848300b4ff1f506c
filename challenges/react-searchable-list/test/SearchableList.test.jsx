import { afterEach, describe, expect, test } from "vitest";
import { cleanup, fireEvent, render, screen } from "@testing-library/react";
import SearchableList from "../src/SearchableList.jsx";

const people = [
  { id: 1, name: "Ada Lovelace", team: "Engines" },
  { id: 2, name: "Grace Hopper", team: "Compilers" },
  { id: 3, name: "Alan Turing", team: "Engines" },
  { id: 4, name: "Barbara Liskov", team: "Languages" },
];

afterEach(cleanup);

function search(text) {
  fireEvent.change(screen.getByLabelText("Search"), { target: { value: text } });
}

function names() {
  return screen.queryAllByRole("listitem").map((li) => li.textContent);
}

describe("SearchableList", () => {
  test("shows everyone before a search", () => {
    render(<SearchableList people={people} />);
    expect(names()).toEqual(["Ada Lovelace", "Grace Hopper", "Alan Turing", "Barbara Liskov"]);
    expect(screen.getByText("4 of 4")).toBeTruthy();
  });

  test("filters by name, ignoring case", () => {
    render(<SearchableList people={people} />);
    search("TUR");
    expect(names()).toEqual(["Alan Turing"]);
    expect(screen.getByText("1 of 4")).toBeTruthy();
  });

  test("also matches the team", () => {
    render(<SearchableList people={people} />);
    search("engines");
    expect(names()).toEqual(["Ada Lovelace", "Alan Turing"]);
  });

  test("ignores spaces around the search", () => {
    render(<SearchableList people={people} />);
    search("  hopper ");
    expect(names()).toEqual(["Grace Hopper"]);
  });

  test("says so when nothing matches", () => {
    render(<SearchableList people={people} />);
    search("zzz");
    expect(names()).toEqual([]);
    expect(screen.getByText("No matches")).toBeTruthy();
    expect(screen.getByText("0 of 4")).toBeTruthy();
  });
});
