-- A letter is numbered and stored in one short transaction; its PDF is rendered
-- after that transaction and sealed (file key and SHA-256) in a second short write,
-- so a render never holds the register's row lock or, on PGlite, the one session.
-- Until it is sealed a letter has no PDF yet: both columns are set together, once.
alter table public.letter alter column pdf_file_key drop not null;
alter table public.letter alter column pdf_sha256 drop not null;
alter table public.letter add constraint letter_pdf_sealed_together
  check ((pdf_file_key is null) = (pdf_sha256 is null));
-- The letters still to seal (a crash between the two writes), found at start.
create index letter_unsealed on public.letter (issued_at) where pdf_sha256 is null;
