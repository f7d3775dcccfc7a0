/**
 * The live view's chart of the append rate: one bar per bucket of a {@linkcode RateWindow},
 * drawn as SVG elements (no chart library, no inline style), with a text equivalent in the
 * chart's caption for screen readers.
 *
 * @example
 * ```ts ignore
 * drawRate(byId("rate-chart", SVGSVGElement), byId("rate-caption", HTMLElement), rate, Date.now());
 * ```
 *
 * @module
 */
import type { RateWindow } from "./rate.ts";

const SVG = "http://www.w3.org/2000/svg";
/** The chart's coordinate system (its `viewBox`). */
const WIDTH = 300;
const HEIGHT = 60;

/**
 * Draws the window's counts as bars, tallest bar at full height, and says in the caption
 * how many records arrived and the peak rate.
 *
 * @param svg The chart.
 * @param caption Its caption.
 * @param rate The counts.
 * @param now The end of the window, in milliseconds since the Unix epoch.
 */
export function drawRate(
  svg: SVGSVGElement,
  caption: Element,
  rate: RateWindow,
  now: number,
): void {
  const counts = rate.counts(now);
  const peak = Math.max(1, ...counts);
  const width = WIDTH / counts.length;
  const bars = counts.map((count, i) => {
    const bar = document.createElementNS(SVG, "rect");
    const height = count === 0 ? 0 : Math.max(1, (count / peak) * HEIGHT);
    bar.setAttribute("x", String(i * width + 0.5));
    bar.setAttribute("y", String(HEIGHT - height));
    bar.setAttribute("width", String(Math.max(1, width - 1)));
    bar.setAttribute("height", String(height));
    return bar;
  });
  svg.replaceChildren(...bars);
  const total = counts.reduce((a, b) => a + b, 0);
  const seconds = rate.bucketMs / 1000;
  const minutes = Math.round((rate.bucketMs * rate.buckets) / 60_000);
  const peakRate = Math.max(...counts) / seconds;
  caption.textContent = `Appends seen live in the last ${minutes} minutes: ${total}` +
    (total === 0 ? "" : `; at most ${formatRate(peakRate)} per second (per ${seconds} s)`);
}

function formatRate(rate: number): string {
  return rate >= 10 ? String(Math.round(rate)) : rate.toFixed(1);
}
