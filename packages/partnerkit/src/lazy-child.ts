import type { Bindings, Logger } from "pino";

/**
 * `logger.child(bindings)`, made when a line is first written through it. Pino serialises (and
 * redacts) a child's bindings as it makes it, 2–6 µs here, and most requests, deliveries and hooks
 * write no line of their own: at saturation a delivery made three children and used none.
 * Until then, the levels are the parent's (a child starts with them), so asking about a level or
 * writing at one the parent leaves off makes nothing.
 */
export function lazyChild(logger: Logger, bindings: Bindings): Logger {
  let child: Logger | undefined;
  const made = () => {
    child ??= logger.child(bindings);
    return child;
  };
  return new Proxy(logger, {
    get(parent, property) {
      const target = child || !asksParent(parent, property) ? made() : parent;
      const value: unknown = Reflect.get(target, property, target);
      return typeof value === "function" ? value.bind(target) : value;
    },
    set(_parent, property, value) {
      return Reflect.set(made(), property, value);
    },
  });
}

const LEVEL_PROPERTIES: ReadonlySet<string | symbol> = new Set([
  "level",
  "levelVal",
  "levels",
  "isLevelEnabled",
]);

/** A question about levels, or a method of a level the parent leaves off. */
function asksParent(parent: Logger, property: string | symbol): boolean {
  if (LEVEL_PROPERTIES.has(property)) return true;
  return (
    typeof property === "string" &&
    Object.hasOwn(parent.levels.values, property) &&
    !parent.isLevelEnabled(property)
  );
}
