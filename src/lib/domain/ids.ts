/**
 * Row ids are UUIDs (`gen_random_uuid()`). Checking the shape before a query turns a
 * malformed id into "not found" instead of a database error (PostgreSQL refuses to
 * cast it: 22P02). Any version, either case, as PostgreSQL's `uuid` input accepts.
 */
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export const isUuid = (value: string): boolean => UUID.test(value);
