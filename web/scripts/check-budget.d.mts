export const BUDGET_BYTES: number;
export function initialScriptBytes(dist?: URL): { files: [string, number][]; total: number };
