/**
 * The create body our injector sends for bench injection `i`, as bytes: built by our prompt pipeline
 * (the same call and options the injector makes), so the minimal client sends exactly what we send
 * without paying for the pipeline. The limit rows check the bytes match at the emulator.
 */
import { payloadJson } from '../src/contract/payload-json.js';
import { preparePrompt } from '../src/prompt/prepare-prompt.js';
import {
  BENCH_ASSISTANT_ID,
  INJECTION_EXAMPLES,
  INJECTION_TEMPLATE,
  productTypeOf,
} from './injection-fixture.js';

/** The JSON body of injection `i` of the bench fixture. */
export function bodyOf(i: number): Buffer {
  const prepared = preparePrompt(INJECTION_TEMPLATE, BENCH_ASSISTANT_ID, INJECTION_EXAMPLES, {
    variables: { productType: productTypeOf(i) },
    missing: 'error',
    tokenizer: 'o200k_base',
  });
  return Buffer.from(payloadJson(prepared.payload));
}
