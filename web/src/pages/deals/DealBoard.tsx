import { useEffect, useId, useRef, useState } from 'preact/hooks';
import { api, messageOf, ok } from '../../api/client';
import { Loading } from '../../components/Page';
import { type Column, moveCard, stepColumn } from '../../lib/board';
import { type DealListItem, type DealStage, formatMoney, leadName, partnerName } from '../../lib/deals';

const PER_COLUMN = 50;

/** The list filters the board shares with the table (everything but stages, sort and page). */
export type BoardQuery = Record<string, string | number>;

interface Moving {
  dealId: number;
  from: number;
  over: number;
}

/**
 * One column per deal stage. A card moves by drag-and-drop, or from the keyboard: its Move
 * button picks it up, the arrow keys choose a column, Enter drops it there, Escape puts it back.
 * Every move is a PATCH of the deal's stage; a refused one puts the card back and says why.
 */
export function DealBoard({ stages, query }: { stages: DealStage[]; query: BoardQuery }) {
  const [columns, setColumns] = useState<Column<DealListItem>[] | undefined>();
  const [loadError, setLoadError] = useState<string | undefined>();
  const [error, setError] = useState<string | undefined>();
  const [announce, setAnnounce] = useState('');
  const [moving, setMoving] = useState<Moving | undefined>();
  const [dragging, setDragging] = useState<number | undefined>();
  const [dropOver, setDropOver] = useState<number | undefined>();
  const helpId = useId();
  const columnsRef = useRef(columns);
  columnsRef.current = columns;
  const board = useRef<HTMLDivElement>(null);
  // A card moved from the keyboard keeps the focus in its new column.
  const refocus = useRef<number | undefined>(undefined);
  useEffect(() => {
    if (refocus.current === undefined) return;
    const button = board.current?.querySelector<HTMLButtonElement>(
      `[data-deal-id="${refocus.current}"] .board-move`,
    );
    refocus.current = undefined;
    button?.focus();
  }, [columns]);
  const key = JSON.stringify(query);
  const stageIds = stages.map((s) => s.id);
  const stageLabel = (id: number) => stages.find((s) => s.id === id)?.label ?? 'another stage';

  useEffect(() => {
    let live = true;
    setColumns(undefined);
    setLoadError(undefined);
    Promise.all(
      stages.map((s) =>
        ok(
          api.GET('/v1/deals', {
            params: { query: { ...query, stages: String(s.id), pageSize: PER_COLUMN, sort: '-updated_at' } },
          }),
        ).then((list) => ({ stageId: s.id, cards: list.data, count: list.meta['record-count'] })),
      ),
    ).then(
      (cols) => live && setColumns(cols),
      (err: unknown) => live && setLoadError(messageOf(err)),
    );
    return () => {
      live = false;
    };
  }, [key, stageIds.join(',')]);

  const move = async (deal: DealListItem, toStage: number) => {
    const before = columnsRef.current;
    if (!before || deal.stage_id === toStage) return;
    setError(undefined);
    setColumns(moveCard(before, deal.id, toStage));
    setAnnounce(`Moving ${deal.label} to ${stageLabel(toStage)}…`);
    try {
      await ok(
        api.PATCH('/v1/deals/{id}', { params: { path: { id: deal.id } }, body: { stage_id: toStage } }),
      );
      setAnnounce(`Moved ${deal.label} to ${stageLabel(toStage)}.`);
    } catch (err) {
      const active = document.activeElement;
      if (
        active === document.body ||
        active?.closest('[data-deal-id]')?.getAttribute('data-deal-id') === String(deal.id)
      ) {
        refocus.current = deal.id;
      }
      setColumns(before);
      const message = `${deal.label} could not move to ${stageLabel(toStage)}: ${messageOf(err)}`;
      setError(message);
      setAnnounce(message);
    }
  };

  const findDeal = (id: number) => columns?.flatMap((c) => c.cards).find((d) => d.id === id);

  const onMoveKey = (event: KeyboardEvent, deal: DealListItem) => {
    if (!moving || moving.dealId !== deal.id) return;
    const step = { ArrowLeft: -1, ArrowUp: -1, ArrowRight: 1, ArrowDown: 1 }[event.key] as -1 | 1 | undefined;
    if (step) {
      event.preventDefault();
      const over = stepColumn(stageIds, moving.over, step);
      setMoving({ ...moving, over });
      setAnnounce(
        `${stageLabel(over)}, stage ${stageIds.indexOf(over) + 1} of ${stageIds.length}. Enter to move it here.`,
      );
    } else if (event.key === 'Escape') {
      event.preventDefault();
      setMoving(undefined);
      setAnnounce(`${deal.label} stays in ${stageLabel(moving.from)}.`);
    }
  };

  const onMoveButton = (deal: DealListItem) => {
    if (deal.stage_id == null) return;
    if (!moving || moving.dealId !== deal.id) {
      setMoving({ dealId: deal.id, from: deal.stage_id, over: deal.stage_id });
      setAnnounce(
        `Picked up ${deal.label}, in ${stageLabel(deal.stage_id)}. Left and right arrows choose a stage, Enter moves it there, Escape cancels.`,
      );
      return;
    }
    const { over, from } = moving;
    setMoving(undefined);
    if (over === from) setAnnounce(`${deal.label} stays in ${stageLabel(from)}.`);
    else {
      refocus.current = deal.id;
      void move(deal, over);
    }
  };

  if (loadError) {
    return (
      <div class="alert alert-error" role="alert">
        {loadError}
      </div>
    );
  }
  if (!columns) return <Loading label="Loading the board…" />;

  return (
    <>
      <p id={helpId} class="visually-hidden">
        To move a deal with the keyboard, press its Move button, choose a stage with the arrow keys and press
        Enter.
      </p>
      <output class="visually-hidden" aria-live="assertive" data-testid="board-announcer">
        {announce}
      </output>
      {error && (
        <div class="alert alert-error" role="alert">
          {error}
        </div>
      )}
      <div class="board" ref={board}>
        {columns.map((col) => {
          const stage = stages.find((s) => s.id === col.stageId);
          const target = moving?.over === col.stageId || dropOver === col.stageId;
          return (
            <section
              key={col.stageId}
              class={`board-column${target ? ' board-target' : ''}`}
              aria-label={stage?.label}
              data-stage-id={col.stageId}
              onDragOver={(e) => {
                if (dragging === undefined) return;
                e.preventDefault();
                if (e.dataTransfer) e.dataTransfer.dropEffect = 'move';
                setDropOver(col.stageId);
              }}
              onDragLeave={(e) => {
                if (!(e.currentTarget as HTMLElement).contains(e.relatedTarget as Node | null)) {
                  setDropOver((o) => (o === col.stageId ? undefined : o));
                }
              }}
              onDrop={(e) => {
                e.preventDefault();
                const id = Number(e.dataTransfer?.getData('text/plain') || dragging);
                setDragging(undefined);
                setDropOver(undefined);
                const deal = findDeal(id);
                if (deal) void move(deal, col.stageId);
              }}
            >
              <h2 class="board-head">
                <span>{stage?.label}</span>
                <span class="muted small">
                  {col.count} {col.count === 1 ? 'deal' : 'deals'}
                </span>
              </h2>
              {col.cards.length === 0 && <p class="muted small">No deals here.</p>}
              <ul class="board-cards">
                {col.cards.map((deal) => {
                  const picked = moving?.dealId === deal.id;
                  const partner = partnerName(deal);
                  return (
                    <li
                      key={deal.id}
                      class={`board-card${picked ? ' board-picked' : ''}${dragging === deal.id ? ' board-dragging' : ''}`}
                      draggable
                      data-deal-id={deal.id}
                      onDragStart={(e) => {
                        e.dataTransfer?.setData('text/plain', String(deal.id));
                        if (e.dataTransfer) e.dataTransfer.effectAllowed = 'move';
                        setDragging(deal.id);
                      }}
                      onDragEnd={() => {
                        setDragging(undefined);
                        setDropOver(undefined);
                      }}
                    >
                      <a class="strong" href={`/deals/${deal.id}`}>
                        {deal.label}
                      </a>
                      <div>{formatMoney(deal.deal_value, deal.currency_code)}</div>
                      <div class="muted small">{partner ?? leadName(deal.lead) ?? ''}</div>
                      <button
                        type="button"
                        class="button button-quiet board-move"
                        aria-label={
                          picked ? `Drop ${deal.label} in ${stageLabel(moving.over)}` : `Move ${deal.label}`
                        }
                        aria-describedby={helpId}
                        aria-pressed={picked}
                        onClick={() => onMoveButton(deal)}
                        onKeyDown={(e) => onMoveKey(e, deal)}
                        onBlur={() => {
                          if (picked) {
                            setMoving(undefined);
                          }
                        }}
                      >
                        {picked ? `Drop in ${stageLabel(moving.over)}` : 'Move'}
                      </button>
                    </li>
                  );
                })}
              </ul>
              {col.count > col.cards.length && (
                <p class="muted small">
                  <a href={`/deals?stages=${col.stageId}`}>
                    All {col.count} deals in {stage?.label}
                  </a>
                </p>
              )}
            </section>
          );
        })}
      </div>
    </>
  );
}
