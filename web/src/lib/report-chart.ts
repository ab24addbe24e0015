import { BarController, BarElement, CategoryScale, Chart, Legend, LinearScale, Tooltip } from 'chart.js';

// The partner report's bar chart (Chart.js, only the parts a bar chart needs). Loaded with a
// dynamic import by pages/Reports.tsx, so it is not in the first page's JavaScript.

Chart.register(BarController, BarElement, CategoryScale, LinearScale, Legend, Tooltip);

export interface ChartSeries {
  label: string;
  color: string;
  values: number[];
}

export interface ReportChart {
  update(labels: string[], series: ChartSeries[], currency: string): void;
  destroy(): void;
}

function datasets(series: ChartSeries[]) {
  return series.map((s) => ({ label: s.label, data: s.values, backgroundColor: s.color, borderRadius: 3 }));
}

export function drawReportChart(
  canvas: HTMLCanvasElement,
  labels: string[],
  series: ChartSeries[],
  currency: string,
): ReportChart {
  let unit = currency;
  const money = (v: number | string) =>
    `${new Intl.NumberFormat(undefined, { maximumFractionDigits: 2 }).format(Number(v))} ${unit}`;
  const chart = new Chart(canvas, {
    type: 'bar',
    data: { labels, datasets: datasets(series) },
    options: {
      responsive: true,
      maintainAspectRatio: false,
      animation: false,
      scales: { y: { beginAtZero: true, ticks: { callback: (v) => money(v) } } },
      plugins: {
        legend: { position: 'bottom' },
        tooltip: { callbacks: { label: (item) => `${item.dataset.label}: ${money(item.parsed.y ?? 0)}` } },
      },
    },
  });
  return {
    update(nextLabels, nextSeries, nextCurrency) {
      unit = nextCurrency;
      chart.data.labels = nextLabels;
      chart.data.datasets = datasets(nextSeries);
      chart.update();
    },
    destroy: () => chart.destroy(),
  };
}
