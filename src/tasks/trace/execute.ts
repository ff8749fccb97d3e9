/**
 * The executor writes a program's tool-log trace line by line (lines joined by ` ; `); the
 * reader computes the answer back from the trace text alone, which is how tests check that
 * every context's stated answer is the executed one. All variables start at 0.
 *
 *   set   c=7                 add   b+=2 b=5          copy  d=a
 *   if    if a<b then c=7 else c=2  (the branch taken is not written)
 *   loop  loop b=4 b=5        noise $ pytest 3 passed
 */
import type { DecisiveSpan } from '../types.ts';
import { joinLines, textSpan, type TextSpan } from '../text.ts';
import type { Program, Ref, Stmt } from './program.ts';
import { LINE_SEP, set, VARS, type Var } from './vocab.ts';

export interface TraceRun {
  text: string;
  answer: string;
  /** The value in the first `q=d` token: what copying the first assignment would answer. */
  shortcut?: string;
  tokens: TextSpan[][];
  lines: TextSpan[];
}

type Env = Record<Var, number>;
const freshEnv = (): Env => ({ a: 0, b: 0, c: 0, d: 0, e: 0 });

function lineOf(s: Stmt, env: Env): string[] {
  switch (s.op) {
    case 'set':
      env[s.v] = s.value;
      return [set(s.v, s.value)];
    case 'add':
      env[s.v] = (env[s.v] + s.k) % 10;
      return [`${s.v}+=${s.k}`, set(s.v, env[s.v])];
    case 'copy':
      env[s.v] = env[s.src];
      return [`${s.v}=${s.src}`];
    case 'if': {
      const taken = s.cmp === '<' ? env[s.x] < env[s.y] : env[s.x] > env[s.y];
      env[s.v] = taken ? s.then : s.else;
      return ['if', `${s.x}${s.cmp}${s.y}`, 'then', set(s.v, s.then), 'else', set(s.v, s.else)];
    }
    case 'loop': {
      const out = ['loop'];
      for (let t = 0; t < s.times; t++) {
        env[s.v] = (env[s.v] + s.k) % 10;
        out.push(set(s.v, env[s.v]));
      }
      return out;
    }
    case 'noise':
      return s.words.slice();
  }
}

export function runProgram(p: Program): TraceRun {
  const env = freshEnv();
  const lines = p.stmts.map((s) => lineOf(s, env));
  const { text, spans, lineSpans } = joinLines(lines, LINE_SEP);
  const first = lines.flat().find((t) => new RegExp(`^${p.query}=[0-9]$`).test(t));
  return { text, answer: String(env[p.query]), shortcut: first?.slice(2), tokens: spans, lines: lineSpans };
}

export function spansOf(run: TraceRun, refs: Ref[]): DecisiveSpan[] {
  return refs.map((r) => textSpan(r.token === null ? run.lines[r.stmt] : run.tokens[r.stmt][r.token]));
}

const isVar = (s: string): s is Var => (VARS as readonly string[]).includes(s);

/** The answer to `final q` computed from the trace text alone. */
export function readTrace(text: string, query: string): string {
  const q = query.split(' ').pop() ?? '';
  const env = freshEnv();
  const apply = (tok: string) => {
    const m = /^([a-e])(\+?=)([0-9a-e])$/.exec(tok);
    if (!m || !isVar(m[1])) return;
    const [, v, op, rhs] = m;
    if (op === '+=') env[v] = (env[v] + Number(rhs)) % 10;
    else env[v] = isVar(rhs) ? env[rhs] : Number(rhs);
  };
  for (const line of text.split(` ${LINE_SEP} `)) {
    const toks = line.split(' ');
    if (toks[0] === 'if') {
      const m = /^([a-e])([<>])([a-e])$/.exec(toks[1]);
      if (!m || !isVar(m[1]) || !isVar(m[3])) continue;
      const taken = m[2] === '<' ? env[m[1]] < env[m[3]] : env[m[1]] > env[m[3]];
      apply(taken ? toks[3] : toks[5]);
    } else toks.forEach(apply);
  }
  return isVar(q) ? String(env[q]) : '';
}
