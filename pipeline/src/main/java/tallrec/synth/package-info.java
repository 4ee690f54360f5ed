/**
 * The synthetic world of the demo and the benchmarks: a catalogue of films with planted genres and
 * biases, users with planted tastes, MovieLens-format ratings, and the text that world says about its
 * films ({@code corpus.txt}, {@code alpaca.json}). Imports no other {@code tallrec} package, so what it
 * plants cannot depend on how the pipeline reads it.
 */
package tallrec.synth;
