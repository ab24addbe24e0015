// A note's `document` is a ProseMirror (TipTap) JSON document. We do not know the editor's
// schema (which node and mark types exist), so we check the shape every ProseMirror document
// has, with bounds: nodes `{type, content?, text?, marks?, attrs?}`, text only on text nodes,
// at most MAX_NODE_DEPTH levels of nodes and MAX_BYTES of JSON. The walk stops descending at
// the depth bound, so a hostile 1 MiB body of nested objects cannot exhaust the stack.

import { nestsDeeper } from '../../lib/json.js';

export const MAX_BYTES = 64 * 1024;
export const MAX_NODE_DEPTH = 32;
/** How deeply the free-form values in `attrs` may nest. */
const MAX_ATTR_DEPTH = 8;
/** A document this wrong gets its first problems reported, not thousands. */
const MAX_PROBLEMS = 20;
const MAX_TYPE_LENGTH = 100;

const NODE_KEYS = new Set(['type', 'content', 'text', 'marks', 'attrs']);
const MARK_KEYS = new Set(['type', 'attrs']);

export interface ProseMirrorNode {
  type: string;
  content?: ProseMirrorNode[];
  text?: string;
  marks?: { type: string; attrs?: Record<string, unknown> }[];
  attrs?: Record<string, unknown>;
}

type Path = (string | number)[];
export interface DocumentProblem {
  path: Path;
  message: string;
}

const isObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

class DocumentCheck {
  readonly problems: DocumentProblem[] = [];

  get full(): boolean {
    return this.problems.length >= MAX_PROBLEMS;
  }

  add(path: Path, message: string): void {
    if (!this.full) this.problems.push({ path, message });
  }

  unknownKeys(value: Record<string, unknown>, allowed: Set<string>, path: Path, what: string): void {
    for (const key of Object.keys(value)) {
      if (!allowed.has(key)) this.add([...path, key], `is not a field of a ProseMirror ${what}`);
    }
  }

  typeName(value: unknown, path: Path): value is string {
    if (typeof value === 'string' && value.length > 0 && value.length <= MAX_TYPE_LENGTH) return true;
    this.add([...path, 'type'], `must be a non-empty string of at most ${MAX_TYPE_LENGTH} characters`);
    return false;
  }

  attrs(value: unknown, path: Path): void {
    if (value === undefined) return;
    if (!isObject(value)) this.add([...path, 'attrs'], 'must be an object');
    else if (nestsDeeper(value, MAX_ATTR_DEPTH))
      this.add([...path, 'attrs'], `must not nest deeper than ${MAX_ATTR_DEPTH} levels`);
  }

  marks(value: unknown, path: Path): void {
    if (value === undefined) return;
    if (!Array.isArray(value)) {
      this.add([...path, 'marks'], 'must be an array of marks');
      return;
    }
    value.forEach((mark, i) => {
      const at = [...path, 'marks', i];
      if (!isObject(mark)) {
        this.add(at, 'must be a mark object {type, attrs?}');
        return;
      }
      this.unknownKeys(mark, MARK_KEYS, at, 'mark');
      this.typeName(mark.type, at);
      this.attrs(mark.attrs, at);
    });
  }

  node(node: unknown, path: Path, depth: number): void {
    if (this.full) return;
    if (!isObject(node)) {
      this.add(path, 'must be a node object {type, content?, text?, marks?, attrs?}');
      return;
    }
    this.unknownKeys(node, NODE_KEYS, path, 'node');
    if (this.typeName(node.type, path)) {
      if (depth === 0 && node.type !== 'doc') this.add([...path, 'type'], "must be 'doc'");
      if (depth > 0 && node.type === 'doc') this.add([...path, 'type'], "'doc' may only be the root node");
    }
    if (node.type === 'text') {
      if (typeof node.text !== 'string' || node.text.length === 0)
        this.add([...path, 'text'], 'must be a non-empty string on a text node');
      if (node.content !== undefined) this.add([...path, 'content'], 'a text node has no content');
    } else if (node.text !== undefined) {
      this.add([...path, 'text'], 'only text nodes have text');
    }
    this.marks(node.marks, path);
    this.attrs(node.attrs, path);
    this.content(node.content, path, depth);
  }

  content(content: unknown, path: Path, depth: number): void {
    if (content === undefined) {
      if (depth === 0) this.add([...path, 'content'], 'is required: an array of nodes');
      return;
    }
    if (!Array.isArray(content)) this.add([...path, 'content'], 'must be an array of nodes');
    else if (content.length > 0 && depth + 1 > MAX_NODE_DEPTH) {
      this.add([...path, 'content'], `nodes must not nest deeper than ${MAX_NODE_DEPTH} levels`);
    } else {
      content.forEach((child, i) => {
        this.node(child, [...path, 'content', i], depth + 1);
      });
    }
  }
}

/**
 * What is wrong with `doc` as a note document (paths relative to it), or [] when it is a
 * well-formed ProseMirror document of at most MAX_BYTES of JSON.
 */
export function documentProblems(doc: unknown): DocumentProblem[] {
  const check = new DocumentCheck();
  check.node(doc, [], 0);
  if (check.problems.length > 0) return check.problems;
  // Safe to serialize now: the walk bounded the nesting.
  const bytes = Buffer.byteLength(JSON.stringify(doc));
  if (bytes > MAX_BYTES) {
    return [{ path: [], message: `must be at most ${MAX_BYTES} bytes as JSON (this one is ${bytes})` }];
  }
  return [];
}

/** Inline node types we render; any other node is a block (a paragraph, heading, list item…). */
const INLINE: Record<string, (node: ProseMirrorNode) => string> = {
  text: (node) => node.text ?? '',
  hardBreak: () => '\n',
  hard_break: () => '\n',
  mention: (node) => `@${String(node.attrs?.label ?? node.attrs?.id ?? '')}`,
};

function blockText(node: ProseMirrorNode): string {
  let out = '';
  let previousWasBlock = false;
  for (const child of node.content ?? []) {
    const inline = INLINE[child.type];
    const text = inline ? inline(child) : blockText(child);
    // Blocks start on a line of their own; inline content runs on.
    if (out.length > 0 && (!inline || previousWasBlock)) out += '\n';
    out += text;
    previousWasBlock = !inline;
  }
  return out;
}

/**
 * The plain text of a (validated) TipTap document, as Journeybee's note webhooks carry it:
 * text runs joined, each block (paragraph, heading, list item, …) on its own line, hard breaks
 * as newlines, mentions as `@label`. Marks and other attributes are dropped.
 */
export function documentToText(doc: ProseMirrorNode): string {
  return blockText(doc).trimEnd();
}
