// The page's and the workers' one way of making an Error that carries the
// core's `code` and details (vocabulary error_codes, error_details).

/** An Error with the given message and details ({code, field, ...}). */
export function codedError(message, details = {}) {
  const error = new Error(message);
  for (const [name, value] of Object.entries(details)) {
    if (value !== undefined && value !== null) error[name] = value;
  }
  return error;
}
