import { Schema, model, type InferSchemaType, type Types } from 'mongoose';

/** One failed row of an import: enough to write errors.csv and to re-run just that row. */
const importRowErrorSchema = new Schema(
  {
    importId: { type: Schema.Types.ObjectId, required: true },
    /** 1 = first data row of the file. */
    row: { type: Number, required: true },
    /** The row's cells in file column order, password blanked. */
    cells: { type: [String], required: true },
    messages: { type: [String], required: true },
    /** What the failure is counted under (rules/failureCauses.ts); rows recorded before causes existed have none. */
    causes: { type: [String], default: undefined },
  },
  { versionKey: false },
);
// Unique so that a chunk replayed after a crash rewrites its errors instead of doubling them.
importRowErrorSchema.index({ importId: 1, row: 1 }, { unique: true, name: 'import_row_unique' });

export type ImportRowErrorDocument = InferSchemaType<typeof importRowErrorSchema> & { _id: Types.ObjectId };
export const ImportRowErrorModel = model('ImportRowError', importRowErrorSchema, 'importrowerrors');
