/**
 * The testkit's backends (local binaries, embedded, Docker through Testcontainers); not API, may
 * change in any release.
 */
package dev.shardline.testkit.internal;
