import type { Db } from '../../../db/database.js';
import { stages } from '../../../db/schema/index.js';
import type { Row } from '../catalogue.repository.js';
import { CatalogueService, type CreateValues } from '../catalogue.service.js';
import { stagesRepository } from './stages.repository.js';
import type { StagePhase, StagePipeline } from './stages.schemas.js';

/** A stage of one pipeline: its phase is one of that pipeline's phases. */
export type StageRow<P extends StagePipeline> = Omit<Row<typeof stages>, 'phase'> & { phase: StagePhase<P> };

type StageValues = Omit<CreateValues<typeof stages>, 'pipeline' | 'series'> &
  Partial<Pick<CreateValues<typeof stages>, 'pipeline' | 'series'>>;

/** One pipeline's stages (`stages` rows with that `pipeline`), ordered by series. */
export class StageService<P extends StagePipeline> extends CatalogueService<typeof stages, StageRow<P>> {
  constructor(
    db: Db,
    readonly pipeline: P,
  ) {
    super(db, {
      table: stages,
      noun: 'Stage',
      name: (stage) => stage.label,
      scope: { pipeline },
      orderBy: [stages.series, stages.id],
    });
  }

  /** As the base, but `pipeline` is this service's and `series` defaults to after the last stage. */
  override create(companyId: number, values: StageValues): Promise<StageRow<P>> {
    const series = values.series ?? stagesRepository.nextSeries(companyId, this.pipeline);
    return super.create(companyId, { ...values, series, pipeline: this.pipeline });
  }
}
