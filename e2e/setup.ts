// Runs once before the suite's files: they all drive the same build.
import { buildDashboard, staleBuildReason } from './build.ts';

export default async function setup(): Promise<void> {
  const reason = await staleBuildReason();
  if (!reason) return;
  console.log(`e2e: building the dashboard (${reason})`);
  await buildDashboard();
  const still = await staleBuildReason();
  if (still) throw new Error(`the dashboard build is still not current after building: ${still}`);
}
