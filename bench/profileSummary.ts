/**
 * Top functions by self time of a V8 CPU profile (node --cpu-prof): what a bench's profile says.
 * Run: tsx bench/profileSummary.ts <file.cpuprofile> [count]
 */
import { readFileSync } from 'node:fs';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
}

export function profileSummary(file: string, count = 25): string {
  const profile = JSON.parse(readFileSync(file, 'utf8')) as { nodes: ProfileNode[]; samples: number[]; timeDeltas: number[] };
  const byId = new Map(profile.nodes.map((node) => [node.id, node]));
  const selfMicros = new Map<string, number>();
  profile.samples.forEach((id, i) => {
    const frame = byId.get(id)!.callFrame;
    const where = frame.url ? `${frame.url.replace(/^.*\/(node_modules|dist)\//, '$1/')}:${frame.lineNumber + 1}` : '';
    const name = `${frame.functionName || '(anonymous)'} ${where}`.trim();
    selfMicros.set(name, (selfMicros.get(name) ?? 0) + (profile.timeDeltas[i] ?? 0));
  });
  const total = [...selfMicros.values()].reduce((sum, micros) => sum + micros, 0);
  const lines = [`total ${(total / 1e6).toFixed(1)} s sampled`];
  for (const [name, micros] of [...selfMicros].sort((a, b) => b[1] - a[1]).slice(0, count)) {
    lines.push(`${((micros / total) * 100).toFixed(1).padStart(5)}%  ${(micros / 1e3).toFixed(0).padStart(7)} ms  ${name}`);
  }
  return lines.join('\n');
}

if (require.main === module) {
  const [file, count = '25'] = process.argv.slice(2);
  console.log(profileSummary(file, Number(count)));
}
