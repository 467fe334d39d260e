// Types for generate.mjs, so the route table's spec can run its pure core under strict TypeScript.

export type GeneratedCategory = 'light' | 'medium' | 'heavy' | 'resource_intensive';

export interface GeneratedRow {
  method: string;
  path: string;
  category: GeneratedCategory;
  product: 'general' | 'phone' | 'contact_center';
  daily: 'host_user' | 'registrant' | 'registrant_status' | null;
  area: string;
  source: string;
  labelled?: false;
}

export interface SpecOperation {
  operationId?: string;
  summary?: string;
  description?: string;
}

export interface SpecFragment {
  paths?: Record<string, Partial<Record<string, SpecOperation>>>;
}

export const DEFAULT_CATEGORY: 'heavy';
export function rateLimitLabelOf(description: string | undefined): string | undefined;
export function categoryOfLabel(label: string | undefined): GeneratedCategory | undefined;
export function shapeOf(method: string, template: string): string;
export function productOf(template: string): GeneratedRow['product'];
export function dailyOf(method: string, template: string): GeneratedRow['daily'];
export function areaOf(template: string): string;
export function normaliseTemplate(template: string): string | undefined;
export function rowsFromSpec(spec: SpecFragment, sourceName: string): GeneratedRow[];
export function compareRows(a: GeneratedRow, b: GeneratedRow): number;
export function mergeSources(sources: { name: string; spec: SpecFragment }[]): {
  rows: GeneratedRow[];
  stats: { duplicates: number; labelsFromOlder: number; conflicts: string[] };
};
export function trimSpec(spec: SpecFragment, source: Record<string, string>): SpecFragment;
