/**
 * An image context with a heat map over its patches and the decisive region outlined: one SVG
 * (the image as a PNG data URL, one translucent rect per patch, the region's outline on top), so it
 * renders the same on the server as in the page.
 */
import { useMemo } from 'react';
import { bytesToBase64 } from '../../tasks/base64.ts';
import { encodeImagePng } from '../../tasks/png.ts';
import type { DecisiveSpan, RGBImage } from '../../tasks/types.ts';
import { DECISIVE_OUTLINE, heatColor } from '../lib/heat.ts';

export function HeatImage({
  image,
  heat,
  perSide,
  decisive,
  regions,
  scale = 8,
  label,
}: {
  image: RGBImage;
  heat: number[];
  perSide: number;
  decisive: number[];
  regions: DecisiveSpan[];
  scale?: number;
  label: string;
}) {
  const href = useMemo(() => `data:image/png;base64,${bytesToBase64(encodeImagePng(image))}`, [image]);
  const W = image.width;
  const H = image.height;
  const pw = W / perSide;
  const ph = H / perSide;
  const dec = new Set(decisive);
  return (
    <svg
      role="img"
      aria-label={label}
      width={W * scale}
      height={H * scale}
      viewBox={`0 0 ${W} ${H}`}
      className="heat-image"
      shapeRendering="crispEdges"
    >
      <image href={href} x={0} y={0} width={W} height={H} style={{ imageRendering: 'pixelated' }} />
      {heat.map((h, i) => (
        <rect
          key={i}
          data-patch={i}
          data-heat={h.toFixed(3)}
          data-decisive={dec.has(i) || undefined}
          x={(i % perSide) * pw}
          y={Math.floor(i / perSide) * ph}
          width={pw}
          height={ph}
          fill={heatColor(h)}
        />
      ))}
      {regions.flatMap((r, i) =>
        r.kind === 'region'
          ? [
              <rect
                key={`d${i}`}
                data-region="decisive"
                x={r.x}
                y={r.y}
                width={r.w}
                height={r.h}
                fill="none"
                stroke={DECISIVE_OUTLINE}
                strokeWidth={(2 / scale) * 2}
              />,
            ]
          : [],
      )}
    </svg>
  );
}
