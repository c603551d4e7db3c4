import type { FundDay } from '@jiaozi/protocol';
import { useEffect, useRef } from 'react';
import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';
import { chartColumns } from '../fund/fund.js';

const HEIGHT_PX = 190;

/**
 * The fund's last days as a uPlot chart: daily income as bars (left axis) and the 7-day
 * annualised yield as a line (right axis). Redrawn when the data or the width changes.
 */
export function FundChart({
  days,
  minorDigits,
  incomeLabel,
  yieldLabel,
}: {
  days: readonly FundDay[];
  minorDigits: number;
  incomeLabel: string;
  yieldLabel: string;
}) {
  const host = useRef<HTMLDivElement>(null);

  useEffect(() => {
    const el = host.current;
    if (!el) return;
    const width = Math.max(240, el.clientWidth);
    const bars = uPlot.paths.bars?.({ size: [0.6, 24] });
    const chart = new uPlot(
      {
        width,
        height: HEIGHT_PX,
        legend: { show: true, live: false },
        cursor: { drag: { x: false, y: false } },
        scales: { x: { time: true }, income: { range: (_u, _min, max) => [0, Math.max(max, 0.01) * 1.15] } },
        axes: [
          { stroke: '#6b7280', grid: { show: false }, size: 30 },
          {
            scale: 'income',
            stroke: '#6b7280',
            size: 44,
            grid: { stroke: '#eef0f3' },
            values: (_u, ticks) => ticks.map((v) => v.toFixed(minorDigits)),
          },
          {
            scale: '%',
            side: 1,
            stroke: '#e8891c',
            size: 58,
            grid: { show: false },
            values: (_u, ticks) => ticks.map((v) => `${v.toFixed(2)}%`),
          },
        ],
        series: [
          {},
          {
            label: incomeLabel,
            scale: 'income',
            stroke: '#07c160',
            fill: 'rgba(7, 193, 96, 0.35)',
            ...(bars ? { paths: bars } : {}),
            points: { show: false },
            value: (_u, v) => (v === null ? '–' : v.toFixed(minorDigits)),
          },
          {
            label: yieldLabel,
            scale: '%',
            stroke: '#e8891c',
            width: 2,
            points: { show: false },
            value: (_u, v) => (v === null ? '–' : `${v.toFixed(3)}%`),
          },
        ],
      },
      chartColumns(days, minorDigits),
      el,
    );
    const observer = new ResizeObserver(() => {
      const next = Math.max(240, el.clientWidth);
      if (next !== chart.width) chart.setSize({ width: next, height: HEIGHT_PX });
    });
    observer.observe(el);
    return () => {
      observer.disconnect();
      chart.destroy();
    };
  }, [days, minorDigits, incomeLabel, yieldLabel]);

  return <div ref={host} className="fund-chart" data-testid="fund-chart" data-days={days.length} />;
}
