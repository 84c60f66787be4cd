/**
 * Beans an application declares to replace the starter's defaults: how a request's tenant is found,
 * how a cache is created.
 */
package dev.shardline.spring.spi;
