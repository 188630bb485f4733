"""Files travel with their comments: what the input says of each comment's attachments, their
upload into the destination just before the import or update that attaches them, inline
images pointed at the destination's own files, and the spool emptied as comments are safely
in. See the README's "Copy or migrate an account" and docs/target.md ("Files")."""
