import { and, eq, type SQL, sql } from 'drizzle-orm';
import { stages } from '../../../db/schema/index.js';
import type { StagePipeline } from './stages.schemas.js';

export const stagesRepository = {
  /**
   * The series after the pipeline's last stage, computed by the INSERT itself. Two concurrent
   * creates may get the same series; lists then order them by id.
   */
  nextSeries(companyId: number, pipeline: StagePipeline): SQL<number> {
    return sql<number>`(SELECT coalesce(max(${stages.series}), 0) + 1 FROM ${stages} WHERE ${and(
      eq(stages.company_id, companyId),
      eq(stages.pipeline, pipeline),
    )})`;
  },
};
