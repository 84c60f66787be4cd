/** The small Boot application the starter's ITs run end to end: plain JdbcTemplate SQL, a cached lookup. */
package dev.shardline.spring.demo;
