import { describe, expect, it } from 'vitest';
import { RenderOnly, renderOnlyTransporter, unwrap } from './render-only';
import { renderOnly } from './web/render-only.server';

describe('render-only load data', () => {
	const rows = [{ id: 'a', name: 'Siti' }];

	it('wraps the value for the server render and leaves it plain for __data.json', () => {
		const wrapped = renderOnly({ isDataRequest: false }, rows);
		expect(wrapped).toBeInstanceOf(RenderOnly);
		expect(unwrap(wrapped)).toBe(rows);
		const plain = renderOnly({ isDataRequest: true }, rows);
		expect(plain).toBe(rows);
		expect(unwrap(plain)).toBe(rows);
	});

	it('is written into HTML as a marker, never as the value, and refuses to be read back', () => {
		expect(renderOnlyTransporter.encode(new RenderOnly(rows))).toBe(1);
		expect(renderOnlyTransporter.encode(rows)).toBe(false);
		expect(renderOnlyTransporter.encode(null)).toBe(false);
		expect(() => renderOnlyTransporter.decode()).toThrow(/csr = false/);
	});
});
