/**
 * A tree's change event that coalesces bursts (an engine appending events, a spec saved twice) into one
 * repaint: VS Code re-renders the whole view on every fire, so firing per file change makes busy runs flicker.
 */
import * as vscode from "vscode";

export class CoalescedTreeRefresh<T> implements vscode.Disposable {
  private readonly emitter = new vscode.EventEmitter<T | undefined>();
  private pending: ReturnType<typeof setTimeout> | undefined;
  readonly event = this.emitter.event;

  constructor(private readonly delayMs: number) {}

  /** Schedules one repaint of the whole tree; calls until it fires are absorbed. */
  fireSoon(): void {
    if (this.pending) return;
    this.pending = setTimeout(() => {
      this.pending = undefined;
      this.emitter.fire(undefined);
    }, this.delayMs);
  }

  dispose(): void {
    if (this.pending) clearTimeout(this.pending);
    this.emitter.dispose();
  }
}
