/** Where a file trail's signed checkpoints live: a JSON-lines file beside the trail. */

/** The checkpoint file of the trail at `trailPath`: the same name with `.checkpoints` added. */
export function checkpointPathFor(trailPath: string): string {
  return `${trailPath}.checkpoints`;
}
