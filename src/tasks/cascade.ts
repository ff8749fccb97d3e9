/**
 * The condition-filtering cascade for text pairs, mirroring the paper's (same repository and
 * commit -> same file -> same function -> distinct related issue). A candidate C- is proposed next
 * to an anchor C+; it survives only if it has the same template, the same variables/entities and
 * line structure, the same length and format, exactly one decisive difference that changes the
 * answer, and no string cue.
 */
import type { DecisiveSpan, RejectionReason } from './types.ts';
import { checkFormat, checkLeak, checkLength, checkTextOutside, DEFAULT_VERIFY_OPTIONS } from './verify.ts';

export interface CascadeSide {
  context: string;
  answer: string;
  /** Same program/document template (depth, size knobs). */
  template: string;
  /** Same variables/entities and line structure. */
  structure: string;
  decisive: DecisiveSpan[];
}

export type CascadeResult = { kept: true } | { kept: false; stage: number; reason: RejectionReason };

export function runCascade(
  pos: CascadeSide,
  neg: CascadeSide,
  maxLengthRatio = DEFAULT_VERIFY_OPTIONS.maxLengthRatio,
): CascadeResult {
  const no = (stage: number, reason: RejectionReason): CascadeResult => ({ kept: false, stage, reason });
  if (pos.template !== neg.template) return no(0, 'template-mismatch');
  if (pos.structure !== neg.structure) return no(1, 'template-mismatch');
  const fmt = checkFormat(pos.context, neg.context) ?? checkLength(pos.context, neg.context, maxLengthRatio);
  if (fmt) return no(2, fmt.reason);
  if (pos.context === neg.context) return no(3, 'identical-contexts');
  if (checkTextOutside(pos.context, neg.context, pos.decisive, neg.decisive)) return no(3, 'differs-outside-decisive');
  if (pos.answer === neg.answer) return no(3, 'equal-answers');
  if (checkLeak(pos.context, neg.context, [pos.answer, neg.answer])) return no(4, 'answer-leak');
  return { kept: true };
}

/** Stage names, with the domain's words for "template" and "structure". */
export function cascadeStages(template: string, structure: string, format: string): string[] {
  return [template, structure, format, 'exactly one decisive difference', 'no string cue'];
}
