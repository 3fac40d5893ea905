// Number formatting shared by server and client components; a fixed locale keeps both renders identical.
const integer = new Intl.NumberFormat("en-US");
const usd = new Intl.NumberFormat("en-US", { style: "currency", currency: "USD", minimumFractionDigits: 2, maximumFractionDigits: 4 });

export function formatInt(n: number): string {
  return integer.format(n);
}

export function formatUsd(n: number): string {
  return usd.format(n);
}

export function plural(n: number, one: string, many = `${one}s`): string {
  return `${formatInt(n)} ${n === 1 ? one : many}`;
}
