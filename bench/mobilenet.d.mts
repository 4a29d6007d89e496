// Types of bench/mobilenet.mjs for the TypeScript tests that import it.
export const MOBILENET_BLOCKS: [number, number][];
export function mobileNetV1Quarter(options?: { softmax?: boolean }): Uint8Array;
export function mobileNetInput(seed?: number): { name: string; dtype: 'float32'; shape: number[]; data: Float32Array };
