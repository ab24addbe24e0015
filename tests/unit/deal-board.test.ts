import { describe, expect, it } from 'vitest';
import { type Column, moveCard, stepColumn } from '../../web/src/lib/board.js';

// The Deals board's moves (web/src/lib/board.ts): pure, so the page can put the old columns
// back when the API refuses a move.

type C = { id: number; stage_id: number | null; label: string };
const columns = (): Column<C>[] => [
  {
    stageId: 1,
    count: 3,
    cards: [
      { id: 10, stage_id: 1, label: 'a' },
      { id: 11, stage_id: 1, label: 'b' },
    ],
  },
  { stageId: 2, count: 0, cards: [] },
  { stageId: 3, count: 1, cards: [{ id: 12, stage_id: 3, label: 'c' }] },
];

describe('deal board: moveCard', () => {
  it('moves a card to the top of the target column, with its stage and the counts', () => {
    const before = columns();
    const after = moveCard(before, 11, 3);
    expect(after.map((c) => c.cards.map((x) => x.id))).toEqual([[10], [], [11, 12]]);
    expect(after.map((c) => c.count)).toEqual([2, 0, 2]);
    expect(after[2]!.cards[0]).toEqual({ id: 11, stage_id: 3, label: 'b' });
    // The old columns are untouched: they are what a refused move goes back to.
    expect(before).toEqual(columns());
  });

  it('leaves the columns as they are for the same column, an unknown card or stage', () => {
    const before = columns();
    expect(moveCard(before, 10, 1)).toBe(before);
    expect(moveCard(before, 99, 2)).toBe(before);
    expect(moveCard(before, 10, 42)).toBe(before);
  });
});

describe('deal board: stepColumn', () => {
  it('steps left and right and stops at the ends', () => {
    expect(stepColumn([1, 2, 3], 2, 1)).toBe(3);
    expect(stepColumn([1, 2, 3], 2, -1)).toBe(1);
    expect(stepColumn([1, 2, 3], 3, 1)).toBe(3);
    expect(stepColumn([1, 2, 3], 1, -1)).toBe(1);
    expect(stepColumn([1, 2, 3], 7, 1)).toBe(1);
  });
});
