import { describe, expect, it } from 'vitest';
import { formState } from './form-state';

describe('formState', () => {
	it('is empty without an answer', () => {
		expect(formState(null)).toEqual({ errors: {}, values: {}, message: null, done: null });
		expect(formState(undefined, 'reveal')).toEqual({ errors: {}, values: {}, message: null, done: null });
	});
	it('reads a refusal', () => {
		const answer = { message: 'errors.form', errors: { nik: 'nik.length' }, values: { nik: '123' } };
		expect(formState(answer)).toEqual({ errors: { nik: 'nik.length' }, values: { nik: '123' }, message: 'errors.form', done: null });
	});
	it("gives a named form only its own answer", () => {
		const answer = { form: 'mutation', errors: { kind: 'mutation.rule_died' }, values: { kind: 'died' } };
		expect(formState(answer, 'mutation').errors).toEqual({ kind: 'mutation.rule_died' });
		expect(formState(answer, 'reveal').errors).toEqual({});
	});
	it('reads what was done', () => {
		expect(formState({ form: 'reveal', done: 'reveal.shown' }, 'reveal').done).toBe('reveal.shown');
	});
});
