import { html } from "hono/html";
import type { Html } from "./layout.ts";

const EXCERPT_CHARS = 280;

/** The readable text of an HTML page: scripts, styles and tags dropped, whitespace collapsed. */
function htmlText(page: string): string {
  return page
    .replace(/<(script|style)\b[\s\S]*?<\/\1>/gi, " ")
    .replace(/<[^>]*>/g, " ")
    .replace(/&nbsp;/g, " ")
    .replace(/\s+/g, " ")
    .trim();
}

const looksLikeHtml = (text: string) => /^\s*(<!doctype html|<html|<head|<body)/i.test(text);

/**
 * A partner's answer body inside a console page: JSON as JSON, and a foreign server's HTML error
 * page as a short excerpt of its text, never as markup.
 */
export function answerBody(body: unknown): Html {
  if (body === undefined) return html``;
  if (typeof body !== "string") return html`<pre>${JSON.stringify(body, null, 2)}</pre>`;
  const text = looksLikeHtml(body) ? htmlText(body) : body.trim();
  const excerpt = text.length > EXCERPT_CHARS ? `${text.slice(0, EXCERPT_CHARS)}…` : text;
  const kind = looksLikeHtml(body) ? "an HTML page" : "plain text";
  return html`<p class="muted" data-answer-excerpt>The body was ${kind} of ${body.length} characters; its text begins:</p>
    <blockquote>${excerpt || "(no text)"}</blockquote>`;
}
