import { describe, expect, it } from 'vitest';
import { samplePayload, TEMPLATE_ROOTS } from './payload.js';
import { parseTemplate, renderTemplate, TemplateError } from './template.js';

const INJECTIONS = [
  "{{constructor.constructor('return process')()}}",
  "{% render '/etc/passwd' %}",
  '{{#each this}}{{/each}}',
  '${process.env.HOME}',
  '<%= 7*7 %>',
];

function payloadWith(message: string) {
  const payload = samplePayload();
  payload.event.message = message;
  return payload;
}

describe('templates', () => {
  it.each(INJECTIONS)('inserts a message that looks like a template as literal text: %s', (m) => {
    const template = parseTemplate('[{{event.severity}}] {{ event.message }}', TEMPLATE_ROOTS);
    expect(renderTemplate(template, payloadWith(m), 'text')).toBe(`[error] ${m}`);
    const json = parseTemplate('{"text": "{{event.message}}"}', TEMPLATE_ROOTS);
    expect(JSON.parse(renderTemplate(json, payloadWith(m), 'json'))).toEqual({ text: m });
  });

  it('refuses anything but variables in a template itself, saying which tag', () => {
    expect(() =>
      parseTemplate("{{constructor.constructor('return process')()}}", TEMPLATE_ROOTS),
    ).toThrow(TemplateError);
    expect(() => parseTemplate('{{#event}}x{{/event}}', TEMPLATE_ROOTS)).toThrow(
      /unsupported tag \{\{#event\}\}/,
    );
    expect(() => parseTemplate('{{> partial}}', TEMPLATE_ROOTS)).toThrow(/unsupported tag/);
    expect(() => parseTemplate('{{{event.message}}}', TEMPLATE_ROOTS)).toThrow(/unsupported/);
    expect(() => parseTemplate('{{event.constructor}}', TEMPLATE_ROOTS)).toThrow(/cannot be read/);
    expect(() => parseTemplate('{{event.__proto__.x}}', TEMPLATE_ROOTS)).toThrow(/cannot be read/);
    expect(() => parseTemplate('{{process.env.HOME}}', TEMPLATE_ROOTS)).toThrow(/unknown variable/);
    expect(() => parseTemplate('oops {{event.message', TEMPLATE_ROOTS)).toThrow(/unclosed/);
    // Other template languages' syntax is just text here.
    const liquid = parseTemplate("{% render '/etc/passwd' %}", TEMPLATE_ROOTS);
    expect(renderTemplate(liquid, samplePayload(), 'text')).toBe("{% render '/etc/passwd' %}");
  });

  it('reads own properties of the payload only', () => {
    const template = parseTemplate(
      '{{event.metadata.toString}}|{{event.metadata.captures.code}}',
      TEMPLATE_ROOTS,
    );
    expect(renderTemplate(template, samplePayload(), 'text')).toBe('|42');
  });

  it('escapes values for their target and leaves the template text alone', () => {
    const payload = payloadWith('<b>"x" & y</b>');
    const t = (s: string) => parseTemplate(s, TEMPLATE_ROOTS);
    expect(renderTemplate(t('<i>{{event.message}}</i>'), payload, 'html')).toBe(
      '<i>&lt;b&gt;&quot;x&quot; &amp; y&lt;/b&gt;</i>',
    );
    expect(renderTemplate(t('*{{event.message}}*'), payload, 'slack')).toBe(
      '*&lt;b&gt;"x" &amp; y&lt;/b&gt;*',
    );
    expect(renderTemplate(t('"{{event.message}}"'), payload, 'json')).toBe('"<b>\\"x\\" & y</b>"');
    // Missing values are empty; objects are their JSON.
    expect(renderTemplate(t('{{event.nope}}{{event.container}}'), payload, 'text')).toBe(
      '{"id":"c0ffee","name":"web-1"}',
    );
  });
});
