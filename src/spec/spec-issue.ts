/** One problem or warning, with the JSON path of the field (`users[0].name`, `` for the root). */
export interface SpecIssue {
  readonly path: string;
  readonly message: string;
}
