/**
 * The open-loop load generator, its latency timeline (HdrHistogram, measured from scheduled send
 * times) and the HTML report.
 */
package dev.shardline.app.load;
