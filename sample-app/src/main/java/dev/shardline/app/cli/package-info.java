/**
 * The {@code ./shardline} launcher's commands: demo, explain, bench and the operating commands.
 */
package dev.shardline.app.cli;
