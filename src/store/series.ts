/**
 * Min-max downsampled chart series, built incrementally as metric rows stream in.
 * Points are grouped into buckets of `bucketSize` consecutive samples; each bucket keeps its
 * minimum and its maximum, so spikes survive downsampling (a plain stride would drop them).
 * When the bucket count passes `maxBuckets`, adjacent buckets merge and `bucketSize` doubles,
 * so a series never holds more than about 2 * maxBuckets points however long the run is.
 */

export interface Point {
  x: number;
  y: number;
}

interface Bucket {
  n: number;
  min: Point;
  max: Point;
}

export interface Series {
  bucketSize: number;
  maxBuckets: number;
  buckets: Bucket[];
}

export function emptySeries(maxBuckets = 400): Series {
  return { bucketSize: 1, maxBuckets, buckets: [] };
}

function mergeBuckets(a: Bucket, b: Bucket): Bucket {
  return { n: a.n + b.n, min: b.min.y < a.min.y ? b.min : a.min, max: b.max.y > a.max.y ? b.max : a.max };
}

/** Appends points (x increasing) and returns a new Series; the input is not mutated. Non-finite y is skipped. */
export function appendPoints(s: Series, points: Point[]): Series {
  let bucketSize = s.bucketSize;
  let buckets = s.buckets.slice();
  for (const p of points) {
    if (!Number.isFinite(p.y)) continue;
    const last = buckets[buckets.length - 1];
    if (last && last.n < bucketSize) buckets[buckets.length - 1] = mergeBuckets(last, { n: 1, min: p, max: p });
    else buckets.push({ n: 1, min: p, max: p });
    if (buckets.length > s.maxBuckets) {
      const merged: Bucket[] = [];
      for (let i = 0; i < buckets.length; i += 2)
        merged.push(buckets[i + 1] ? mergeBuckets(buckets[i], buckets[i + 1]) : buckets[i]);
      buckets = merged;
      bucketSize *= 2;
    }
  }
  return { bucketSize, maxBuckets: s.maxBuckets, buckets };
}

/** The points to draw: each bucket's min and max in x order (one point when they coincide). */
export function seriesPoints(s: Series): Point[] {
  const out: Point[] = [];
  for (const b of s.buckets) {
    if (b.min === b.max || (b.min.x === b.max.x && b.min.y === b.max.y)) out.push(b.min);
    else if (b.min.x < b.max.x) out.push(b.min, b.max);
    else out.push(b.max, b.min);
  }
  return out;
}

/** One-shot min-max downsampling of a sorted array to at most about `maxPoints` points. */
export function downsampleMinMax(points: Point[], maxPoints: number): Point[] {
  if (points.length <= maxPoints) return points.slice();
  return seriesPoints(appendPoints(emptySeries(Math.max(1, Math.floor(maxPoints / 2))), points));
}
