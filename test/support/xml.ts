/** An XML element as the JUnit tests read it: name, unescaped attributes, child elements. */
export interface XmlElement {
  name: string;
  attributes: Record<string, string>;
  children: XmlElement[];
}

const ENTITIES: Record<string, string> = { amp: "&", lt: "<", gt: ">", quot: '"', apos: "'" };

const unescapeXml = (text: string) =>
  text.replace(/&(\w+);/g, (entity, name: string) => {
    const character = ENTITIES[name];
    if (character === undefined) throw new Error(`unknown entity ${entity}`);
    return character;
  });

/**
 * A strict parser for the XML subset JUnit reports use (declaration, elements, attributes in
 * double quotes, text): throws on anything not well formed, such as an unescaped `<` or `&`.
 */
export function parseXml(xml: string): XmlElement {
  const body = xml.replace(/^<\?xml [^?]*\?>\s*/, "");
  const tag = /<(\/?)([\w-]+)((?:\s+[\w-]+="[^"<]*")*)\s*(\/?)>/y;
  const stack: XmlElement[] = [{ name: "#document", attributes: {}, children: [] }];
  let index = 0;
  while (index < body.length) {
    const next = body.indexOf("<", index);
    const text = body.slice(index, next === -1 ? body.length : next);
    if (/&(?!\w+;)/.test(text)) throw new Error(`unescaped & in ${JSON.stringify(text)}`);
    unescapeXml(text);
    if (next === -1) break;
    tag.lastIndex = next;
    const match = tag.exec(body);
    if (!match) throw new Error(`not well formed at ${next}: ${body.slice(next, next + 40)}`);
    const [whole, closing, name = "", attributeText = "", selfClosing] = match;
    const parent = stack.at(-1);
    if (!parent) throw new Error("more closing tags than opening ones");
    if (closing) {
      if (parent.name !== name) throw new Error(`</${name}> closes <${parent.name}>`);
      stack.pop();
    } else {
      const attributes = Object.fromEntries(
        [...attributeText.matchAll(/([\w-]+)="([^"]*)"/g)].map(([, key = "", value = ""]) => [
          key,
          unescapeXml(value),
        ]),
      );
      const element = { name, attributes, children: [] };
      parent.children.push(element);
      if (!selfClosing) stack.push(element);
    }
    index = next + whole.length;
  }
  const [document] = stack;
  if (stack.length !== 1 || document?.children.length !== 1) throw new Error("unbalanced XML");
  const root = document.children[0];
  if (!root) throw new Error("no root element");
  return root;
}
