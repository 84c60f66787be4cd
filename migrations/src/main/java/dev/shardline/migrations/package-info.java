/**
 * Liquibase on every shard primary: parallel, resumable migrations, per-shard status and drift
 * reports.
 */
package dev.shardline.migrations;
