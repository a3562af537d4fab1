"""Modal stacks and Home tabs of the emulated workspace."""

from __future__ import annotations

import copy
import threading
from typing import Any

from bot.emulator.models import JSON, View


class WorkspaceViews:
    """View mutations; mixed into `Workspace`."""

    lock: threading.RLock
    team_id: str
    bot_id: str
    views: dict[str, View]
    view_stacks: dict[str, list[str]]
    home_views: dict[str, str]

    def new_id(self, prefix: str) -> str:
        raise NotImplementedError

    def emit(self, kind: str, **data: Any) -> None:
        raise NotImplementedError

    def _make_view(self, user_id: str, body: JSON, root: str | None, previous: str | None) -> View:
        view_id = self.new_id("V")
        body = copy.deepcopy(body)
        external_id = str(body.pop("external_id", "") or "")
        view = View(view_id, user_id, body, self.new_id("H").lower(), root or view_id, previous, external_id)
        self.views[view_id] = view
        return view

    def view_json(self, view: View, state: JSON | None = None) -> JSON:
        """The view as Slack renders it in responses and payloads."""
        return view.to_dict(self.team_id, self.bot_id, state)

    def show_modal(self, user_id: str, body: JSON) -> View:
        """Open a modal as a new stack (closing any the user had open)."""
        with self.lock:
            self.clear_modals(user_id)
            view = self._make_view(user_id, body, None, None)
            self.view_stacks[user_id] = [view.id]
            self.emit("view_opened", user=user_id, view=self.view_json(view))
            return view

    def push_modal(self, user_id: str, body: JSON) -> View:
        """Push a modal on top of the user's stack."""
        with self.lock:
            stack = self.view_stacks.setdefault(user_id, [])
            below = self.views[stack[-1]] if stack else None
            view = self._make_view(user_id, body, below.root_view_id if below else None,
                                   below.id if below else None)
            stack.append(view.id)
            self.emit("view_pushed", user=user_id, view=self.view_json(view))
            return view

    def replace_view(self, view: View, body: JSON) -> View:
        """Replace a view's content in place, with a new hash."""
        with self.lock:
            body = copy.deepcopy(body)
            external_id = body.pop("external_id", None)
            if external_id is not None:
                view.external_id = str(external_id)
            view.body = body
            view.hash = self.new_id("H").lower()
            view.errors = {}
            self.emit("view_updated", user=view.user, view=self.view_json(view))
            return view

    def close_top_modal(self, user_id: str) -> View | None:
        """Close the user's top modal and show the one below, if any."""
        with self.lock:
            stack = self.view_stacks.get(user_id) or []
            if not stack:
                return None
            view = self.views[stack.pop()]
            self.emit("view_closed", user=user_id, view_id=view.id)
            return view

    def clear_modals(self, user_id: str) -> None:
        """Close every modal of the user."""
        with self.lock:
            while self.close_top_modal(user_id) is not None:
                pass

    def set_view_errors(self, view: View, errors: dict[str, str]) -> None:
        """Show `response_action: errors` under the input blocks."""
        with self.lock:
            view.errors = dict(errors)
            self.emit("view_errors", user=view.user, view_id=view.id, errors=dict(errors))

    def publish_home(self, user_id: str, body: JSON) -> View:
        """Publish (or replace) the user's Home tab."""
        with self.lock:
            existing = self.home_views.get(user_id)
            if existing:
                return self.replace_view(self.views[existing], body)
            view = self._make_view(user_id, body, None, None)
            self.home_views[user_id] = view.id
            self.emit("home_published", user=user_id, view=self.view_json(view))
            return view

    def view_by_external_id(self, external_id: str) -> View | None:
        """A view by the external id the app gave it."""
        with self.lock:
            return next((v for v in self.views.values() if external_id and v.external_id == external_id),
                        None)

    def is_live(self, view: View) -> bool:
        """Whether the view is still on a stack or a Home tab."""
        with self.lock:
            return view.id in self.view_stacks.get(view.user, []) or self.home_views.get(view.user) == view.id
