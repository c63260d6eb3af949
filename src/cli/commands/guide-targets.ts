/**
 * The guide a `--backend guides` injection talks to, for `inject` and `batch`: `--guide` (or a job's
 * `guide`) as an id or a name, else the template's guide name. Against the built-in emulator — which
 * starts empty — the template is deployed first (an unchanged one writes nothing), so the command works
 * without a Genesys organisation. Each name is looked up (or deployed) once per run.
 */
import { deployGuide } from '../../guides/deploy-guide.js';
import { guideDefinitionFromTemplate } from '../../guides/guide-definition.js';
import { resolveGuideId } from '../../guides/guide-lookup.js';
import { guideTurnOf } from '../../guides/guide-result.js';
import type { GenesysPromptInjector } from '../../injector.js';
import type { InjectionResult } from '../../injector-options.js';
import type { FewShotExample } from '../../prompt/few-shot.js';
import type { PromptTemplate } from '../../prompt/template.js';
import { UsageError } from '../cli-error.js';

/** The name of the backend that talks to guides. */
export const GUIDES_BACKEND = 'guides';

/** Resolves (or, on the built-in emulator, deploys) the guides of one run. */
export class GuideTargets {
  readonly #injector: GenesysPromptInjector;
  readonly #builtIn: boolean;
  readonly #note: (line: string) => void;
  readonly #ids = new Map<string, Promise<string>>();

  /**
   * @param injector the run's injector (its Guides endpoints)
   * @param builtIn true when the target is the in-process emulator: templates are deployed to it
   * @param note where a deploy to the built-in emulator is announced
   */
  constructor(injector: GenesysPromptInjector, builtIn: boolean, note: (line: string) => void) {
    this.#injector = injector;
    this.#builtIn = builtIn;
    this.#note = note;
  }

  /**
   * The guide id for one injection.
   * @param guide `--guide` or the job's `guide`: an id or a name (default: the template's guide name)
   * @param template the template injected
   * @param examples its few-shot examples (deployed with it on the built-in emulator)
   * @param signal stops a lookup or deploy
   * @throws UsageError when neither a guide nor a template name is given; ValidationError when the name
   *   matches no guide or several
   */
  idFor(
    guide: string | undefined,
    template: PromptTemplate,
    examples: readonly FewShotExample[],
    signal?: AbortSignal,
  ): Promise<string> {
    const name = guide ?? template.guide?.name ?? template.id;
    if (name === undefined) {
      throw new UsageError(
        '--guide',
        'is needed with --backend guides (the template has no guide.name or id)',
        'pass --guide <id or name>, or set guide.name in the template',
      );
    }
    let id = this.#ids.get(name);
    if (id === undefined) {
      id = this.#builtIn ? this.#deploy(name, template, examples, signal) : this.#lookup(name, signal);
      this.#ids.set(name, id);
    }
    return id;
  }

  async #lookup(name: string, signal: AbortSignal | undefined): Promise<string> {
    return resolveGuideId(this.#injector.guides(), name, { signal });
  }

  async #deploy(
    name: string,
    template: PromptTemplate,
    examples: readonly FewShotExample[],
    signal: AbortSignal | undefined,
  ): Promise<string> {
    const definition = guideDefinitionFromTemplate(template, examples, { name });
    const deployed = await deployGuide(this.#injector.guides(), definition, {
      pollIntervalMs: 10,
      ...(signal === undefined ? {} : { signal }),
    });
    const id = deployed.guideId ?? '';
    this.#note(
      `deployed "${name}" to the built-in emulator as guide ${id} version ${deployed.version ?? '?'}`,
    );
    return id;
  }
}

/** The line `inject` adds to its summary for a guide turn: status, result and what to do next. */
export function guideSummaryLine(result: InjectionResult): string | undefined {
  const turn = guideTurnOf(result);
  if (turn === undefined) return undefined;
  const parts = [
    `guide ${turn.guideId} version ${turn.version}`,
    `${turn.status}${turn.result === undefined ? '' : ` ${turn.result}`}`,
    turn.inProgressPolls > 0 ? `${turn.inProgressPolls} IN_PROGRESS polls` : undefined,
    turn.outputVariables.length > 0
      ? `outputs ${turn.outputVariables.map((v) => `${v.name ?? '?'}=${v.value ?? ''}`).join(', ')}`
      : undefined,
    turn.invocations.length > 0
      ? `client actions ${turn.invocations.map((i) => `${i.group}/${i.actionName}`).join(', ')} (invocation ${turn.invocationId ?? '?'})`
      : undefined,
  ];
  return parts.filter((p) => p !== undefined).join(' · ');
}
