/**
 * A bar chart on Chart.js 4: only the pieces used are registered (tree-shaken), no
 * animation, sized by its container (.chart). The canvas is an image with a label that
 * summarises the data, for screen readers and tests; the same figures are in tables nearby.
 */
import { BarController, BarElement, CategoryScale, Chart, Legend, LinearScale, Tooltip } from 'chart.js';
import { useEffect, useRef } from 'preact/hooks';

Chart.register(BarController, BarElement, CategoryScale, LinearScale, Tooltip, Legend);

export const COLORS = { allow: '#1f7a3a', deny: '#b42318', neutral: '#3b4cca' } as const;

export type BarDataset = { label: string; data: number[]; color: string };

type BarChartProps = {
  /** The accessible name: a sentence summarising what the chart shows. */
  label: string;
  labels: string[];
  datasets: BarDataset[];
  stacked?: boolean;
  horizontal?: boolean;
};

export function BarChart({ label, labels, datasets, stacked = false, horizontal = false }: BarChartProps) {
  const canvas = useRef<HTMLCanvasElement>(null);

  // Redrawn when the figures change, not on every render (callers pass fresh arrays).
  const figures = JSON.stringify([labels, datasets, stacked, horizontal]);

  useEffect(() => {
    if (!canvas.current) return;
    const [category, value] = horizontal ? ['y', 'x'] : ['x', 'y'];
    const chart = new Chart(canvas.current, {
      type: 'bar',
      data: {
        labels,
        datasets: datasets.map((d) => ({ label: d.label, data: d.data, backgroundColor: d.color })),
      },
      options: {
        animation: false,
        responsive: true,
        maintainAspectRatio: false,
        indexAxis: horizontal ? 'y' : 'x',
        plugins: { legend: { display: datasets.length > 1, position: 'bottom' } },
        scales: {
          [category]: { stacked, ticks: { autoSkip: true, maxRotation: 0 } },
          [value]: { stacked, beginAtZero: true, ticks: { precision: 0 } },
        },
      },
    });
    return () => chart.destroy();
  }, [figures]);

  return (
    <div class="chart">
      <canvas ref={canvas} role="img" aria-label={label} />
    </div>
  );
}
