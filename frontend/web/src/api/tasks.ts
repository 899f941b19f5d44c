import { apiError } from "./http";

export interface Task {
  id: number;
  title: string;
  completed: boolean;
  description?: string | null;
}

export type TaskFilter = "all" | "pending" | "completed";

export async function fetchTasks(
  fetchFn: typeof fetch,
  userId: string,
  status: TaskFilter = "all",
  signal?: AbortSignal,
): Promise<Task[]> {
  const res = await fetchFn(`/api/${encodeURIComponent(userId)}/tasks?status=${status}`, {
    headers: { accept: "application/json" },
    signal,
  });
  if (!res.ok) throw await apiError(res);
  const body = (await res.json()) as { tasks?: unknown };
  if (!Array.isArray(body.tasks)) throw new Error("The task list came back in an unexpected shape.");
  return body.tasks as Task[];
}
