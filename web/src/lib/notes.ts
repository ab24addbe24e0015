// Lead notes are ProseMirror (TipTap) documents. The console writes plain paragraphs and reads
// any document's text, block by block.

interface PMNode {
  type?: string;
  text?: string;
  content?: PMNode[];
}

export function noteDocument(text: string): Record<string, unknown> {
  const paragraphs = text.split(/\n{2,}|\n/).map((line) => line.trim());
  return {
    type: 'doc',
    content: paragraphs.map((line) =>
      line ? { type: 'paragraph', content: [{ type: 'text', text: line }] } : { type: 'paragraph' },
    ),
  };
}

const inlineText = (node: PMNode): string =>
  node.text ?? (node.type === 'hardBreak' ? '\n' : (node.content ?? []).map(inlineText).join(''));

/** The document's blocks as lines of text (empty paragraphs dropped). */
export function noteParagraphs(document: unknown): string[] {
  const root = document as PMNode | null;
  const blocks = root?.content ?? [];
  return blocks.map(inlineText).filter((line) => line.trim() !== '');
}
