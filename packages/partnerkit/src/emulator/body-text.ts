/** A recorded body as JSON when it is JSON, as text otherwise, and absent when empty. */
export function parseBodyText(text: string): unknown {
  if (text === "") return undefined;
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}
