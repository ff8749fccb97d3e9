/** C+ and C- images drawn to canvases, their difference mask, and a zoom on the changed region. */
import { useEffect, useRef } from 'react';
import type { RGBImage } from '../../tasks/types.ts';
import { imageDiff, toRgba } from '../lib/imageDiff.ts';

function Pixels({
  img,
  mask,
  scale,
  label,
  crop,
}: {
  img: RGBImage;
  mask?: Uint8Array;
  scale: number;
  label: string;
  crop?: { x: number; y: number; w: number; h: number };
}) {
  const ref = useRef<HTMLCanvasElement>(null);
  const c = crop ?? { x: 0, y: 0, w: img.width, h: img.height };
  useEffect(() => {
    const canvas = ref.current;
    const ctx = canvas?.getContext('2d');
    if (!canvas || !ctx) return;
    const src = document.createElement('canvas');
    src.width = img.width;
    src.height = img.height;
    src
      .getContext('2d')!
      .putImageData(new ImageData(toRgba(img, mask) as Uint8ClampedArray<ArrayBuffer>, img.width, img.height), 0, 0);
    ctx.imageSmoothingEnabled = false;
    ctx.clearRect(0, 0, canvas.width, canvas.height);
    ctx.drawImage(src, c.x, c.y, c.w, c.h, 0, 0, canvas.width, canvas.height);
  }, [img, mask, c.x, c.y, c.w, c.h]);
  return <canvas ref={ref} width={c.w * scale} height={c.h * scale} role="img" aria-label={label} className="pixels" />;
}

export function ImageCompare({ positive, negative }: { positive: RGBImage; negative: RGBImage }) {
  if (positive.width !== negative.width || positive.height !== negative.height) {
    return (
      <p className="error">
        The two images differ in size ({positive.width}x{positive.height} vs {negative.width}x{negative.height}).
      </p>
    );
  }
  const d = imageDiff(positive, negative);
  const pad = 2;
  const box = d.box && {
    x: Math.max(0, d.box.x - pad),
    y: Math.max(0, d.box.y - pad),
    w: Math.min(d.width, d.box.x + d.box.w + pad) - Math.max(0, d.box.x - pad),
    h: Math.min(d.height, d.box.y + d.box.h + pad) - Math.max(0, d.box.y - pad),
  };
  const zoom = box ? Math.max(4, Math.floor(96 / Math.max(box.w, box.h))) : 4;
  return (
    <div className="image-compare">
      <div>
        <h4>C+</h4>
        <Pixels img={positive} scale={6} label="C+ image" />
      </div>
      <div>
        <h4>C−</h4>
        <Pixels img={negative} scale={6} label="C− image" />
      </div>
      <div>
        <h4>Difference</h4>
        <Pixels img={negative} mask={d.mask} scale={6} label="Difference mask" />
        <p className="help">
          {d.changed} of {d.width * d.height} pixels differ
          {d.box ? ` (box at ${d.box.x},${d.box.y}, ${d.box.w}x${d.box.h})` : ''}.
        </p>
      </div>
      {box ? (
        <div>
          <h4>Zoom</h4>
          <div className="zoom-pair">
            <Pixels img={positive} crop={box} scale={zoom} label="C+ zoom on the changed region" />
            <Pixels img={negative} crop={box} scale={zoom} label="C− zoom on the changed region" />
          </div>
        </div>
      ) : null}
    </div>
  );
}
