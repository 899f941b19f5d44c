/** What the task panel sends and how it narrows and orders the list. */
import type { Task } from "../api/tasks";

export type TaskSort = "newest" | "oldest" | "title" | "pending";

/** The chat turns the panel's controls send; the offline agent and a model both understand them. */
export const completeCommand = (id: number) => `mark task ${id} as complete`;
export const deleteCommand = (id: number) => `delete task ${id}`;
export function renameCommand(id: number, title: string): string {
  return `rename task ${id} to ${title.replace(/\s+/g, " ").trim()}`;
}

/** Case- and accent-insensitive text, for matching in any script. */
export function fold(text: string): string {
  return text.normalize("NFKD").replace(/\p{M}/gu, "").toLocaleLowerCase();
}

/** Tasks whose title, description or number contain every word of `query`. */
export function searchTasks(tasks: Task[], query: string): Task[] {
  const words = fold(query).split(/\s+/).filter(Boolean);
  if (words.length === 0) return tasks;
  return tasks.filter((t) => {
    const hay = fold(`#${t.id} ${t.title} ${t.description ?? ""}`);
    return words.every((w) => hay.includes(w));
  });
}

const collator = new Intl.Collator(undefined, { sensitivity: "base", numeric: true });

/** A sorted copy. Task numbers grow with time, so they order by age. */
export function sortTasks(tasks: Task[], sort: TaskSort): Task[] {
  const list = [...tasks];
  switch (sort) {
    case "newest":
      return list.sort((a, b) => b.id - a.id);
    case "oldest":
      return list.sort((a, b) => a.id - b.id);
    case "title":
      return list.sort((a, b) => collator.compare(a.title, b.title) || a.id - b.id);
    case "pending":
      return list.sort((a, b) => Number(a.completed) - Number(b.completed) || b.id - a.id);
  }
}
