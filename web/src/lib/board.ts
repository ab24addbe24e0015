// The Deals board's state, apart from the page: one column per deal stage, cards in the order
// the API lists them. A move is optimistic (the card shows in its new column at once) and the
// page puts the old columns back when the API refuses it.

export interface Card {
  id: number;
  stage_id: number | null;
}

export interface Column<T extends Card> {
  stageId: number;
  cards: T[];
  /** How many deals the stage has (the API's record count; more than the cards shown). */
  count: number;
}

/** The columns with `cardId` moved to the top of `toStage`'s column (unchanged if it is there). */
export function moveCard<T extends Card>(columns: Column<T>[], cardId: number, toStage: number): Column<T>[] {
  const from = columns.find((c) => c.cards.some((card) => card.id === cardId));
  const card = from?.cards.find((c) => c.id === cardId);
  if (!from || !card || from.stageId === toStage || !columns.some((c) => c.stageId === toStage)) {
    return columns;
  }
  return columns.map((c) => {
    if (c === from) return { ...c, cards: c.cards.filter((x) => x.id !== cardId), count: c.count - 1 };
    if (c.stageId === toStage)
      return { ...c, cards: [{ ...card, stage_id: toStage }, ...c.cards], count: c.count + 1 };
    return c;
  });
}

/** The column a keyboard move lands on: the previous or next one, stopping at the ends. */
export function stepColumn(stageIds: number[], current: number, step: -1 | 1): number {
  const at = stageIds.indexOf(current);
  if (at < 0) return stageIds[0] ?? current;
  return stageIds[Math.min(Math.max(at + step, 0), stageIds.length - 1)] ?? current;
}
