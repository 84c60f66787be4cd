/**
 * The {@code migrate}, {@code status} and {@code validate} commands (picocli).
 */
package dev.shardline.migrations.cli;
