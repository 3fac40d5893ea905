import { HttpError } from "../../http/errors";

// Errors of editing that the API answers with a specific status (route() maps HttpError to the response).

export const exampleNotFound = () => new HttpError(404, "not_found", "Example not found in this dataset; it may have been deleted. Close the editor and reload the table.");

export const editConflict = () =>
  new HttpError(409, "conflict", "This example was changed by someone else since you opened it. Copy your edits, then reload it to see the latest version.");
